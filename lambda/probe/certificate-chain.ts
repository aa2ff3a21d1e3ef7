/**
 * The chain verdict moved to ./chain/ (one small module per group of s2n-tls's rules); this name stays for callers.
 */
export { analyzeChain, CHECKS, dnsNameMatches, hostMatches, type AnalyzeChainOptions } from './chain';
