// Replaced at bundle time would be nicer; reading package.json at start costs a file read we avoid.
export const VERSION = '0.1.0';
