/** Types of demo/loopback-only.cjs (plain CommonJS, so that `node --require` loads it with no TypeScript). */
export declare function installLoopbackOnly(label?: string, options?: { allowHosts?: string[] }): void;
export declare function isLoopbackAddress(host: string): boolean;
/** Why a child process named like this would leave the machine, or undefined. */
export declare function childProblem(file: string, args: string[], allowedHost: (host: string) => boolean): string | undefined;
