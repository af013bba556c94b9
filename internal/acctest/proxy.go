package acctest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// AnswerProxy serves target (an emulator's host:port) through a reverse
// proxy that hands every answer to edit: edit returns nil to pass the answer
// on, or the body to send instead (and may set resp.StatusCode). Requests
// pass unchanged, the Host header too, so signatures still verify. It
// returns the proxy's host:port; the proxy closes when the test ends.
func AnswerProxy(t testing.TB, target string, edit func(resp *http.Response, body []byte) []byte) string {
	t.Helper()
	u, err := url.Parse("http://" + target)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.ModifyResponse = func(resp *http.Response) error {
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if edited := edit(resp, body); edited != nil {
			body = edited
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}
