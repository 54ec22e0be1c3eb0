// Splits a byte stream into lines (a partial last line waits for its end).
export class LineSplitter {
  private rest = ''

  push(chunk: string): string[] {
    const text = this.rest + chunk
    const lines = text.split(/\r?\n/)
    this.rest = lines.pop() ?? ''
    return lines
  }

  end(): string[] {
    const last = this.rest
    this.rest = ''
    return last ? [last] : []
  }
}
