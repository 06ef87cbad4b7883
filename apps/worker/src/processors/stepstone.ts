import type { ProcessorFactory } from '../processor';

// Placeholder until the StepStone processor lands: fails every job loudly rather than pretending success.
export const createStepStoneProcessor: ProcessorFactory<'stepstone'> = () => ({
  async process() {
    throw new Error('stepstone processor not implemented yet');
  },
});
