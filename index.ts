/** Entry point the Pulumi component analyzer reads (`pulumi package add`): the public API. */
export * from "./components";
