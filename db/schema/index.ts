export * from "./accounts";
export * from "./catalog";
export * from "./press";
export * from "./learning";
export * from "./alerts";
export * from "./system";
export * from "./interop";
export * from "./federation";
