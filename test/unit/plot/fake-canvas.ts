// A Canvas2D that draws nothing, records every call, and throws on a non-finite coordinate: a
// NaN that reached a moveTo is a bug even where a real canvas would silently skip it.
import type { Canvas2D, ImageDataLike, LineCap, LineJoin, TextAlign, TextBaseline, TransformLike } from '../../../app/plot/canvas.ts';

export interface Call {
  readonly name: string;
  readonly args: readonly unknown[];
  readonly fillStyle: string;
  readonly strokeStyle: string;
}

export class FakeCanvas implements Canvas2D {
  calls: Call[] = [];
  globalAlpha = 1;
  fillStyle: string | object = '#000';
  strokeStyle: string | object = '#000';
  lineWidth = 1;
  lineCap: LineCap = 'butt';
  lineJoin: LineJoin = 'miter';
  font = '10px sans-serif';
  textAlign: TextAlign = 'start';
  textBaseline: TextBaseline = 'alphabetic';
  private depth = 0;

  constructor(private readonly transform: TransformLike = { a: 1, b: 0, c: 0, d: 1, e: 0, f: 0 }) {}

  private record(name: string, args: unknown[], numeric: number): void {
    for (let i = 0; i < numeric; i++) {
      const v = args[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${name}: argument ${i} is ${String(v)}`);
    }
    this.calls.push({ name, args, fillStyle: String(this.fillStyle), strokeStyle: String(this.strokeStyle) });
  }

  texts(): string[] {
    return this.calls.filter((c) => c.name === 'fillText').map((c) => String(c.args[0]));
  }

  save(): void {
    this.depth++;
    this.record('save', [], 0);
  }
  restore(): void {
    if (--this.depth < 0) throw new Error('restore without save');
    this.record('restore', [], 0);
  }
  get balanced(): boolean {
    return this.depth === 0;
  }
  translate(x: number, y: number): void {
    this.record('translate', [x, y], 2);
  }
  rotate(angle: number): void {
    this.record('rotate', [angle], 1);
  }
  scale(x: number, y: number): void {
    this.record('scale', [x, y], 2);
  }
  getTransform(): TransformLike {
    return this.transform;
  }
  setLineDash(segments: number[]): void {
    this.record('setLineDash', [...segments], segments.length);
  }
  fillRect(x: number, y: number, w: number, h: number): void {
    this.record('fillRect', [x, y, w, h], 4);
  }
  strokeRect(x: number, y: number, w: number, h: number): void {
    this.record('strokeRect', [x, y, w, h], 4);
  }
  clearRect(x: number, y: number, w: number, h: number): void {
    this.record('clearRect', [x, y, w, h], 4);
  }
  beginPath(): void {
    this.record('beginPath', [], 0);
  }
  closePath(): void {
    this.record('closePath', [], 0);
  }
  moveTo(x: number, y: number): void {
    this.record('moveTo', [x, y], 2);
  }
  lineTo(x: number, y: number): void {
    this.record('lineTo', [x, y], 2);
  }
  rect(x: number, y: number, w: number, h: number): void {
    this.record('rect', [x, y, w, h], 4);
  }
  arc(x: number, y: number, r: number, a0: number, a1: number): void {
    this.record('arc', [x, y, r, a0, a1], 5);
  }
  fill(): void {
    this.record('fill', [], 0);
  }
  stroke(): void {
    this.record('stroke', [], 0);
  }
  clip(): void {
    this.record('clip', [], 0);
  }
  fillText(text: string, x: number, y: number): void {
    this.record('fillText', [text, x, y], 0);
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw new Error(`fillText "${text}" at ${x}, ${y}`);
  }
  measureText(text: string): { width: number } {
    const size = Number(/([\d.]+)px/.exec(this.font)?.[1] ?? 10);
    return { width: text.length * size * 0.55 };
  }
  createImageData(width: number, height: number): ImageDataLike {
    if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) throw new Error(`createImageData ${width}×${height}`);
    return { width, height, data: new Uint8ClampedArray(4 * width * height) };
  }
  putImageData(image: ImageDataLike, dx: number, dy: number): void {
    this.record('putImageData', [dx, dy, image], 2);
  }
}
