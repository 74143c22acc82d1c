/** The version Attest reports (help, the server's health answer, report footers): one place for every side. */
export const ATTEST_VERSION = '0.1.0';
