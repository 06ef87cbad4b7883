import type { ProcessorFactory } from '../processor';

// Placeholder until the Enrich processor lands: fails every job loudly rather than pretending success.
export const createEnrichProcessor: ProcessorFactory<'enrich'> = () => ({
  async process() {
    throw new Error('enrich processor not implemented yet');
  },
});
