// Package jdcloud is the provider's one client for every JD Cloud service:
// it builds the SDK clients from one configuration, sends every call through
// jdcloudapi's retry rules with DEBUG logging, turns failures into diagnostics
// and waits for asynchronous state changes.
package jdcloud

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/jdcloud-api/jdcloud-sdk-go/core"
	agclient "github.com/jdcloud-api/jdcloud-sdk-go/services/ag/client"
	iamclient "github.com/jdcloud-api/jdcloud-sdk-go/services/iam/client"
	vmclient "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/client"
	vpcclient "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/client"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloudapi"
)

// Defaults for the provider's tuning knobs.
const (
	DefaultEndpoint       = "www.jdcloud-api.com"
	DefaultScheme         = "https"
	DefaultRegion         = "cn-north-1"
	DefaultRequestTimeout = 20 * time.Second
	DefaultPollInterval   = time.Second
	// UnlimitedRetries is the default MaxRetries: retries end with the
	// operation's timeout, never by count.
	UnlimitedRetries = jdcloudapi.Unlimited
)

// Config is everything needed to reach the API.
type Config struct {
	AccessKey      string
	SecretKey      string
	Region         string
	Endpoint       string           // host[:port], no scheme
	Scheme         string           // "https" or "http"
	RequestTimeout time.Duration    // per HTTP request
	MaxRetries     int              // cap on retries after the first attempt: 0 none, UnlimitedRetries bounded by the operation's timeout only
	PollInterval   time.Duration    // first delay between two state polls
	Clock          jdcloudapi.Clock // nil means the wall clock
}

// Client holds the SDK clients. Use Call to send requests through them.
type Client struct {
	VM     *vmclient.VmClient
	VPC    *vpcclient.VpcClient
	AG     *agclient.AgClient
	IAM    *iamclient.IamClient
	Region string

	retry        jdcloudapi.Policy
	pollInterval time.Duration
	clock        jdcloudapi.Clock

	regionOnce sync.Once // CheckRegion asks the API at most once
	regionErr  error

	lookupsMu sync.Mutex
	lookups   map[string]*lookup
}

type lookup struct {
	mu    sync.Mutex
	done  bool
	value any
	err   error
}

// Lookup returns the latest answer about key seen in this client's life
// (one Terraform walk: plan, or apply), asking fetch only when there is none
// yet. Every finder records its answer, so a resource's refresh feeds the
// checks other resources make while planning (is this member running, does
// this EIP exist), and several checks of one object cost one call: each
// call counts against the account's rate limit. Never use it for what a
// resource records in state: that must be read fresh with a finder.
func Lookup[T any](c *Client, key string, fetch func() (T, error)) (T, error) {
	l := c.lookup(key)
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		v, err := fetch()
		if err != nil && !IsNotFound(err) {
			return v, err // a transport failure or refusal is asked again next time
		}
		l.done, l.value, l.err = true, v, err
	}
	v, _ := l.value.(T)
	return v, l.err
}

// remember records a finder's answer for Lookup.
func remember[T any](c *Client, key string, v T, err error) {
	if err != nil && !IsNotFound(err) {
		return
	}
	l := c.lookup(key)
	l.mu.Lock()
	l.done, l.value, l.err = true, v, err
	l.mu.Unlock()
}

func (c *Client) lookup(key string) *lookup {
	c.lookupsMu.Lock()
	defer c.lookupsMu.Unlock()
	if c.lookups == nil {
		c.lookups = map[string]*lookup{}
	}
	l := c.lookups[key]
	if l == nil {
		l = &lookup{}
		c.lookups[key] = l
	}
	return l
}

// New builds the clients. ctx is only used to route the SDK's own log lines
// to tflog: the SDK's default logger prints to stdout, which belongs to the
// plugin protocol.
func New(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.AccessKey == "" || cfg.SecretKey == "" {
		return nil, errors.New("access key and secret key are both required")
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	if cfg.Scheme == "" {
		cfg.Scheme = DefaultScheme
	}
	if cfg.Scheme != "http" && cfg.Scheme != "https" {
		return nil, fmt.Errorf("scheme must be http or https, got %q", cfg.Scheme)
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.Clock == nil {
		cfg.Clock = jdcloudapi.RealClock{}
	}
	sdk := jdcloudapi.NewSDKClients(jdcloudapi.SDKConfig{
		AccessKey: cfg.AccessKey, SecretKey: cfg.SecretKey,
		Scheme: cfg.Scheme, Endpoint: cfg.Endpoint, Timeout: cfg.RequestTimeout,
		Logger: sdkLogger{ctx: ctx},
	})
	c := &Client{
		VM:           sdk.VM,
		VPC:          sdk.VPC,
		AG:           sdk.AG,
		IAM:          sdk.IAM,
		Region:       cfg.Region,
		pollInterval: cfg.PollInterval,
		clock:        cfg.Clock,
	}
	c.retry = jdcloudapi.Policy{MaxRetries: cfg.MaxRetries, Clock: cfg.Clock, Limiter: jdcloudapi.NewAdaptiveLimiter(cfg.Clock)}
	return c, nil
}

// PollInterval is the first delay between two polls (the provider's poll_interval).
func (c *Client) PollInterval() time.Duration { return c.pollInterval }

// Limiter is the pace shared by every call of this provider instance, for
// calls made with other credentials (the agent's permission self-check).
func (c *Client) Limiter() *jdcloudapi.AdaptiveLimiter { return c.retry.Limiter }

// Clock is the client's time source (injected in tests).
func (c *Client) Clock() jdcloudapi.Clock { return c.clock }

// NewClientToken returns a clientToken for a create call: the same token on
// every retry of one create makes the API return the first result instead of
// creating a second resource.
func NewClientToken() string { return uuid.NewString() }

// Call sends an idempotent call (read, delete, association, or a create that
// carries a clientToken), retrying per the provider's policy, and logs every
// attempt at DEBUG with its request ID, duration and retry count.
func Call[R any](ctx context.Context, c *Client, call string, send func() (*R, error)) (*R, error) {
	return jdcloudapi.Do(ctx, c.policy(ctx), call, jdcloudapi.Idempotent, send)
}

// CallOnce sends a non-idempotent call (a create without a clientToken): it
// is retried only when the API certainly did not act on it (429).
func CallOnce[R any](ctx context.Context, c *Client, call string, send func() (*R, error)) (*R, error) {
	return jdcloudapi.Do(ctx, c.policy(ctx), call, jdcloudapi.NotIdempotent, send)
}

func (c *Client) policy(ctx context.Context) jdcloudapi.Policy {
	p := c.retry
	p.Observe = func(a jdcloudapi.Attempt) {
		fields := map[string]any{
			"call":        a.Call,
			"attempt":     a.Number,
			"retries":     a.Number - 1,
			"duration_ms": a.Duration.Milliseconds(),
			"request_id":  a.RequestID,
		}
		if a.Err != nil {
			fields["error"] = a.Err.Error()
			if a.Err.RequestID != "" {
				fields["request_id"] = a.Err.RequestID
			}
			fields["will_retry"] = a.Retry
			if a.Retry {
				fields["retry_in_ms"] = a.Delay.Milliseconds()
			}
		}
		tflog.Debug(ctx, "JD Cloud API call", fields)
	}
	return p
}

// sdkLogger sends the SDK's warnings and errors to tflog. Its info level
// (request headers, string to sign) is dropped: Call logs what matters.
type sdkLogger struct{ ctx context.Context }

func (l sdkLogger) Log(level int, message ...interface{}) {
	if level > core.LogWarn {
		return
	}
	tflog.Debug(l.ctx, "jdcloud-sdk-go: "+fmt.Sprint(message...))
}
