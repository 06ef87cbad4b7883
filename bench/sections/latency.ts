import type { Section } from '../lib/section';

export const latencySection: Section = { id: 'latency', title: 'todo', run: async () => 'todo' };
