/** At most `max` tasks at a time, shared by the build and renderText(). */
export class Semaphore {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(max: number) {
    this.#free = max;
  }

  async use<T>(task: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free -= 1;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free += 1;
    }
  }
}
