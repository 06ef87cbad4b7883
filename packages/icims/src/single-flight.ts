/**
 * In-process single flight: concurrent calls with the same key share one run of the work (one
 * iCIMS request instead of one per caller). The entry is removed as soon as the run settles, so
 * nothing is cached here: a call after that starts a new run and sees fresh data.
 */
export class SingleFlight<T> {
  private readonly flights = new Map<string, Promise<T>>();

  /** `shared`: this caller joined a run another caller started (and spent no request itself). */
  async run(key: string, work: () => Promise<T>): Promise<{ value: T; shared: boolean }> {
    const running = this.flights.get(key);
    if (running) return { value: await running, shared: true };
    const flight = work().finally(() => this.flights.delete(key));
    this.flights.set(key, flight);
    return { value: await flight, shared: false };
  }

  /** The run in progress for `key`, if any (to join it without doing anything first). */
  current(key: string): Promise<T> | undefined {
    return this.flights.get(key);
  }

  get size(): number {
    return this.flights.size;
  }
}
