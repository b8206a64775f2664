/** The organisation serve.sh names with ATTUNE_ORG_NAME: every page and mail carries its name. */
export const org = "Example Shop";
