/** moto's account when a request names none (and the account of the tests' default credentials). */
export const DEFAULT_ACCOUNT_ID = "123456789012";
