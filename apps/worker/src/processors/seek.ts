import type { ProcessorFactory } from '../processor';

// Placeholder until the Seek processor lands: fails every job loudly rather than pretending success.
export const createSeekProcessor: ProcessorFactory<'seek'> = () => ({
  async process() {
    throw new Error('seek processor not implemented yet');
  },
});
