// Package livetest is the live test mode: a small acceptance suite against
// the real JD Cloud (build tag livetest, run by `make testacc-live`) and a
// sweeper that deletes whatever such a run left behind. Everything it
// creates is named with Prefix, and everything it deletes must carry it.
//
// Nothing here runs in `make test`: the suite needs the build tag, and both
// the suite and the sweeper refuse to start without the opt-in variable.
package livetest

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
)

// OptInEnv must hold OptInValue, or nothing touches the real cloud.
const (
	OptInEnv   = "JDHA_LIVE"
	OptInValue = "I-accept-costs"
)

// Prefix starts the name of every resource the live suite creates. It starts
// with a letter and holds only characters every JD Cloud name accepts.
const Prefix = "tfacc-"

// CostWarning is printed before anything else.
const CostWarning = `WARNING: the live test mode creates REAL JD Cloud resources and is billed to
the account of JDCLOUD_ACCESS_KEY: a VPC, a subnet, a security group, an
availability group, two pay-as-you-go instances and an elastic IP, for about
ten to twenty minutes per run (a few CNY), plus an IAM sub-user and policy.
Every name starts with "` + Prefix + `". The suite deletes what it made; if a run
is interrupted, "go run ./internal/livetest/sweep" deletes every resource
whose name starts with that prefix (and nothing else).
Opt in with ` + OptInEnv + `=` + OptInValue + `.`

// Settings are what a live run needs from the environment.
type Settings struct {
	AccessKey, SecretKey, Region string
	Endpoint, Scheme             string // empty: the provider's defaults
}

// ErrNotOptedIn is returned when OptInEnv does not hold OptInValue.
var ErrNotOptedIn = errors.New("live test mode not enabled: set " + OptInEnv + "=" + OptInValue + " to create real, billed JD Cloud resources")

// Check refuses a live run unless the opt-in variable holds exactly
// OptInValue and credentials are given; getenv is os.Getenv in practice.
func Check(getenv func(string) string) (Settings, error) {
	if getenv(OptInEnv) != OptInValue {
		return Settings{}, ErrNotOptedIn
	}
	s := Settings{
		AccessKey: getenv("JDCLOUD_ACCESS_KEY"),
		SecretKey: getenv("JDCLOUD_SECRET_KEY"),
		Region:    getenv("JDCLOUD_REGION"),
		Endpoint:  getenv("JDCLOUD_ENDPOINT"),
		Scheme:    getenv("JDCLOUD_SCHEME"),
	}
	var missing []string
	if s.AccessKey == "" {
		missing = append(missing, "JDCLOUD_ACCESS_KEY")
	}
	if s.SecretKey == "" {
		missing = append(missing, "JDCLOUD_SECRET_KEY")
	}
	if len(missing) > 0 {
		return Settings{}, fmt.Errorf("live test mode needs %s (a key of the account to be billed; the jdc profile is not read here)", strings.Join(missing, " and "))
	}
	if s.Region == "" {
		s.Region = "cn-north-1"
	}
	return s, nil
}

// RunName is a fresh name root for one run: Prefix plus 6 random letters
// and digits, e.g. "tfacc-k3x9qa".
func RunName() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return Prefix + string(b)
}

// Owned reports whether a resource named name belongs to the live suite (or
// to the narrower prefix a sweep was given). An empty prefix owns nothing:
// a sweep must never match everything.
func Owned(name, prefix string) bool {
	return prefix != "" && strings.HasPrefix(name, prefix)
}
