/** Text files imported with Vite's `?raw` (docs checked against the code in worker tests). */
declare module '*?raw' {
  const text: string;
  export default text;
}
