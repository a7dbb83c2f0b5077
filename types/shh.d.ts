// The types of window.shh live in the DApp package (packages/shh-provider/shh.d.ts), their one source;
// this path stays for code in this repository that imported it here.
export * from '../packages/shh-provider/shh.js';
