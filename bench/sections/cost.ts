import type { Section } from '../lib/section';

export const costSection: Section = { id: 'cost', title: 'todo', run: async () => 'todo' };
