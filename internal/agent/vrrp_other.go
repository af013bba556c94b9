//go:build !unix

package agent

// keepalivedAlive: keepalived runs only on unix systems; elsewhere the
// recorded state is all there is.
func keepalivedAlive(int) bool { return true }

// IsKeepalived cannot tell elsewhere: no process is taken for keepalived.
func IsKeepalived(int) bool { return false }
