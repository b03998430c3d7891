/** Vite's `?inline` imports: the file as a `data:` URL (binary fixtures inside workerd tests). */
declare module '*.mp4?inline' {
  const dataUrl: string;
  export default dataUrl;
}
