export * from './account-defaults';
export * from './admission-action';
export * from './admission-policies';
