import type { Section } from '../lib/section';

export const scalingSection: Section = { id: 'scaling', title: 'todo', run: async () => 'todo' };
