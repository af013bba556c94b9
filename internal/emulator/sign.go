package emulator

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sort"
	"strings"
	"time"
)

// JDCLOUD2-HMAC-SHA256 verification, mirroring core/Signer.go of
// jdcloud-sdk-go: the server rebuilds the canonical request from r.Host,
// the escaped path (":action" stays "%3A"), the raw query and raw body.

const (
	signAlgorithm = "JDCLOUD2-HMAC-SHA256"
	signTimeFmt   = "20060102T150405Z"
	maxClockSkew  = 5 * time.Minute
)

// principal is who signed a request; nil means the main account.
type principal struct {
	SubUser   string
	AccessKey string
}

type authHeader struct {
	accessKey, date, region, service string
	signedHeaders                    []string
	signature                        string
}

// unauth is the gateway's refusal of a request it cannot authenticate. The
// real gateway answers a bad signature with 401 ACCESS_ERROR "sign result is
// not same [gw]" (a published error body); that it uses the same status for
// the other authentication failures is inferred.
func unauth(format string, args ...any) *apiError {
	return errf(401, "ACCESS_ERROR", format, args...)
}

// signMismatch is the real gateway's message for a wrong signature.
const signMismatch = "sign result is not same [gw]"

func parseAuthorization(v string) (authHeader, *apiError) {
	var a authHeader
	rest, ok := strings.CutPrefix(v, signAlgorithm+" ")
	if !ok {
		return a, unauth("Authorization header must start with %q", signAlgorithm)
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return a, unauth("malformed Authorization header component %q", strings.TrimSpace(part))
		}
		fields[k] = val
	}
	cred, signed, sig := fields["Credential"], fields["SignedHeaders"], fields["Signature"]
	if cred == "" || signed == "" || sig == "" {
		return a, unauth("Authorization header needs Credential, SignedHeaders and Signature")
	}
	scope := strings.Split(cred, "/")
	if len(scope) != 5 || scope[4] != "jdcloud2_request" || scope[0] == "" {
		return a, unauth("malformed Credential %q: want AK/yyyymmdd/region/service/jdcloud2_request", cred)
	}
	a.accessKey, a.date, a.region, a.service = scope[0], scope[1], scope[2], scope[3]
	a.signedHeaders = strings.Split(signed, ";")
	a.signature = sig
	return a, nil
}

// secretFor returns the secret of an access key and who owns it.
func (e *Emulator) secretFor(ak string) (string, *principal, *apiError) {
	if ak == e.opts.AccessKey {
		return e.opts.SecretKey, nil, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, k := range e.st.AccessKeys {
		if k.AccessKey == ak {
			if k.Status != 1 {
				return "", nil, unauth("The access key %s is disabled", ak)
			}
			return k.SecretAccessKey, &principal{SubUser: k.SubUser, AccessKey: ak}, nil
		}
	}
	return "", nil, unauth("The access key %s does not exist", ak)
}

func (e *Emulator) authenticate(r *http.Request, body []byte, rt *route, params map[string]string) (*principal, *apiError) {
	authz := r.Header.Get("Authorization")
	if authz == "" {
		return nil, unauth("Missing Authorization header: requests must be signed with JDCLOUD2-HMAC-SHA256")
	}
	date := r.Header.Get("X-Jdcloud-Date")
	if date == "" {
		return nil, unauth("Missing x-jdcloud-date header")
	}
	if r.Header.Get("X-Jdcloud-Nonce") == "" {
		return nil, unauth("Missing x-jdcloud-nonce header")
	}
	a, aerr := parseAuthorization(authz)
	if aerr != nil {
		return nil, aerr
	}
	t, err := time.Parse(signTimeFmt, date)
	if err != nil {
		return nil, unauth("x-jdcloud-date %q is not in the format 20060102T150405Z", date)
	}
	if d := e.now().Sub(t); d > maxClockSkew || d < -maxClockSkew {
		return nil, unauth("The request signature date %s is more than 5 minutes away from the server time", date)
	}
	if a.date != t.Format("20060102") {
		return nil, unauth("Credential date %s does not match x-jdcloud-date %s", a.date, date)
	}
	hasHost := false
	for _, h := range a.signedHeaders {
		if h == "host" {
			hasHost = true
		}
	}
	if !hasHost {
		return nil, unauth("SignedHeaders must include host")
	}
	if rt != nil {
		if a.service != rt.service {
			return nil, unauth("Credential service %q does not match the requested service %q", a.service, rt.service)
		}
		wantRegion := params["regionId"]
		if wantRegion == "" {
			wantRegion = "jdcloud-api"
		}
		if a.region != wantRegion {
			return nil, unauth("Credential region %q does not match the request's region %q", a.region, wantRegion)
		}
	}
	secret, who, aerr := e.secretFor(a.accessKey)
	if aerr != nil {
		return nil, aerr
	}
	want := computeSignature(secret, r, body, a)
	if !hmac.Equal([]byte(want), []byte(a.signature)) {
		return nil, unauth("%s", signMismatch)
	}
	return who, nil
}

func computeSignature(secret string, r *http.Request, body []byte, a authHeader) string {
	headers := append([]string(nil), a.signedHeaders...)
	sort.Strings(headers)
	lines := make([]string, len(headers))
	for i, h := range headers {
		var v string
		if h == "host" {
			v = r.Host
		} else {
			v = strings.Join(r.Header.Values(h), ",")
		}
		lines[i] = collapseSpaces(h + ":" + v)
	}
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	bodySum := sha256.Sum256(body)
	canonical := strings.Join([]string{
		r.Method,
		path,
		r.URL.RawQuery,
		strings.Join(lines, "\n") + "\n",
		strings.Join(headers, ";"),
		hex.EncodeToString(bodySum[:]),
	}, "\n")
	canonSum := sha256.Sum256([]byte(canonical))
	toSign := strings.Join([]string{
		signAlgorithm,
		r.Header.Get("X-Jdcloud-Date"),
		strings.Join([]string{a.date, a.region, a.service, "jdcloud2_request"}, "/"),
		hex.EncodeToString(canonSum[:]),
	}, "\n")
	k := hmacSHA256([]byte("JDCLOUD2"+secret), a.date)
	k = hmacSHA256(k, a.region)
	k = hmacSHA256(k, a.service)
	k = hmacSHA256(k, "jdcloud2_request")
	return hex.EncodeToString(hmacSHA256(k, toSign))
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// collapseSpaces trims and squeezes runs of spaces, as the SDK's stripExcessSpaces.
func collapseSpaces(s string) string {
	s = strings.Trim(s, " ")
	if !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	prevSpace := false
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			if prevSpace {
				continue
			}
			prevSpace = true
		} else {
			prevSpace = false
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// SignRequest signs r the way jdcloud-sdk-go does (for clients that do not
// use the SDK, e.g. curl-like tools and tests). body must be r's body.
func SignRequest(r *http.Request, body []byte, accessKey, secretKey, region, service, nonce string, now time.Time) {
	if r.Header.Get("Content-Type") == "" {
		r.Header.Set("Content-Type", "application/json")
	}
	r.Header.Set("X-Jdcloud-Date", now.UTC().Format(signTimeFmt))
	r.Header.Set("X-Jdcloud-Nonce", nonce)
	if r.Host == "" {
		r.Host = r.URL.Host
	}
	var signed []string
	signed = append(signed, "host")
	for k := range r.Header {
		switch http.CanonicalHeaderKey(k) {
		case "Authorization", "User-Agent", "X-Jdcloud-Request-Id":
			continue
		}
		signed = append(signed, strings.ToLower(k))
	}
	sort.Strings(signed)
	a := authHeader{accessKey: accessKey, date: now.UTC().Format("20060102"), region: region, service: service, signedHeaders: signed}
	sig := computeSignature(secretKey, r, body, a)
	r.Header.Set("Authorization", signAlgorithm+" Credential="+accessKey+"/"+a.date+"/"+region+"/"+service+"/jdcloud2_request, SignedHeaders="+strings.Join(signed, ";")+", Signature="+sig)
}
