export * from './severity';
export * from './finding';
export * from './rules';
export * from './checker-options';
export * from './aspect';
export * from './acknowledgements';
export * from './validation-plugin';
export * from './audit';
