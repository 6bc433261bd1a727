export * from './admission-action';
export * from './admission-policies';
