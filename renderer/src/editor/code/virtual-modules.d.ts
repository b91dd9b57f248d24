// Modules renderer/vite.config.ts makes at build time.

/** tfjs-core's declaration files the code editor needs: path in its dist folder → text (src/editor/code/tfjs-types.ts). */
declare module 'virtual:tfjs-core-types' {
  const files: Record<string, string>;
  export default files;
}
