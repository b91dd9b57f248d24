// The part of the Canvas 2D API that the figures use. The browser's CanvasRenderingContext2D and
// @napi-rs/canvas's SKRSContext2D both satisfy it structurally, so one drawing routine draws the
// live plot in the app and the PNG in a run folder. Keep it a subset of the standard API: add a
// member here only if the standard context has it with a compatible type.

export type TextAlign = 'center' | 'end' | 'left' | 'right' | 'start';
export type TextBaseline = 'alphabetic' | 'bottom' | 'hanging' | 'ideographic' | 'middle' | 'top';
export type LineCap = 'butt' | 'round' | 'square';
export type LineJoin = 'bevel' | 'miter' | 'round';

/** What measureText returns that we read. */
export interface TextMetricsLike {
  readonly width: number;
}

/** RGBA pixels, 4 bytes a pixel, rows top to bottom (the standard ImageData). */
export interface ImageDataLike {
  readonly width: number;
  readonly height: number;
  // Float32Array is in the union only so that contexts whose ImageData is generic over its
  // pixel format (@napi-rs/canvas) fit; createImageData(w, h) always gives 8-bit RGBA.
  readonly data: Uint8ClampedArray | Float32Array;
}

/** The current transform (a DOMMatrix): device = (a·x + c·y + e, b·x + d·y + f). */
export interface TransformLike {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly d: number;
  readonly e: number;
  readonly f: number;
}

export interface Canvas2D {
  // state
  save(): void;
  restore(): void;
  translate(x: number, y: number): void;
  rotate(angle: number): void;
  scale(x: number, y: number): void;
  getTransform(): TransformLike;
  globalAlpha: number;

  // styles (gradients and patterns are objects; we only ever set CSS colour strings)
  fillStyle: string | object;
  strokeStyle: string | object;
  lineWidth: number;
  lineCap: LineCap;
  lineJoin: LineJoin;
  setLineDash(segments: number[]): void;

  // rectangles and paths
  fillRect(x: number, y: number, w: number, h: number): void;
  strokeRect(x: number, y: number, w: number, h: number): void;
  clearRect(x: number, y: number, w: number, h: number): void;
  beginPath(): void;
  closePath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  rect(x: number, y: number, w: number, h: number): void;
  arc(x: number, y: number, radius: number, startAngle: number, endAngle: number, counterclockwise?: boolean): void;
  fill(): void;
  stroke(): void;
  clip(): void;

  // text
  font: string;
  textAlign: TextAlign;
  textBaseline: TextBaseline;
  fillText(text: string, x: number, y: number, maxWidth?: number): void;
  measureText(text: string): TextMetricsLike;

  // pixels (device pixels: putImageData ignores the transform)
  createImageData(width: number, height: number): ImageDataLike;
  putImageData(imageData: ImageDataLike, dx: number, dy: number): void;
}

/** A rectangle in the context's user units (CSS pixels). */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}
