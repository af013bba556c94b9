package agent

import "errors"

// Exit codes of the agent.
const (
	ExitHere   = 0 // the EIP is on this node at the end
	ExitGaveUp = 1 // deadline, cancelled, refused (EIP on a third instance), or not here (status)
	ExitConfig = 2 // bad config or credentials, including 401/403 and an unknown EIP or instance
)

// ExitError carries the process exit code for an error.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode maps an error from Takeover, Notify or Status to the exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitHere
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	if IsConfigError(err) {
		return ExitConfig
	}
	return ExitGaveUp
}

func outcomeOf(err error) string {
	switch ExitCode(err) {
	case ExitHere:
		return "done"
	case ExitConfig:
		return "bad-config"
	}
	if errors.Is(err, errRefused) {
		return "refused"
	}
	return "gave-up"
}

var errRefused = errors.New("refused")
