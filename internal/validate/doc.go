// Package validate holds the provider's shared plan-time validators and the
// address arithmetic behind them. Every message names the rule that failed,
// so a user can fix the value without reading JD Cloud's API reference.
package validate
