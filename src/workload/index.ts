export * from "./operations.js";
export * from "./random.js";
export { generateWorkload, poolTokens, type WorkloadKind, type WorkloadOptions } from "./generate.js";
export { generateTrafficWorkload, MAINNET_ARRIVALS, type TrafficOptions, type TrafficWorkload } from "./traffic.js";
