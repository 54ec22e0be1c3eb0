// Runs tasks one after another per key (a project): a project's events get their seq, reach the
// log and go out on the wire in the same order, and a resuming subscriber's replay is not
// overtaken by a live event of the same project. Different keys run concurrently.
export class Lanes<K> {
  private readonly tails = new Map<K, Promise<unknown>>()

  run<T>(key: K, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve()
    // Tails never reject (see below), so a failed task does not stop the ones queued after it.
    const result = previous.then(task)
    const tail = result.then(
      () => undefined,
      () => undefined
    )
    this.tails.set(key, tail)
    // Forget idle keys, so the map holds only projects with work in flight.
    tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key)
    })
    return result
  }

  get size() {
    return this.tails.size
  }
}
