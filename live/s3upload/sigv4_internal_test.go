package s3upload

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

// The examples of the S3 API reference, "Signature Calculations for the
// Authorization Header" and "Authenticating Requests: Using Query
// Parameters": the same credentials and day.
const (
	exampleKeyID  = "AKIAIOSFODNN7EXAMPLE"
	exampleSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

var exampleDate = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)

func TestSignatureOfTheDocumentedGetObjectExample(t *testing.T) {
	t.Parallel()
	empty := sha256.Sum256(nil)
	headers := []header{
		{"x-amz-date", "20130524T000000Z"},
		{"range", "bytes=0-9"},
		{"host", "examplebucket.s3.amazonaws.com"},
		{"x-amz-content-sha256", hex.EncodeToString(empty[:])},
	}
	canonical := canonicalRequest("GET", "/test.txt", nil, headers, hex.EncodeToString(empty[:]))
	wantCanonical := strings.Join([]string{
		"GET", "/test.txt", "",
		"host:examplebucket.s3.amazonaws.com",
		"range:bytes=0-9",
		"x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"x-amz-date:20130524T000000Z",
		"",
		"host;range;x-amz-content-sha256;x-amz-date",
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	}, "\n")
	if canonical != wantCanonical {
		t.Fatalf("canonical request:\n%s\nwant:\n%s", canonical, wantCanonical)
	}
	sig := signature(signingKey(exampleSecret, exampleDate, "us-east-1"), stringToSign(exampleDate, "us-east-1", canonical))
	if want := "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"; sig != want {
		t.Fatalf("signature %s, want %s", sig, want)
	}
}

func TestPresignOfTheDocumentedQueryExample(t *testing.T) {
	t.Parallel()
	b := &Bucket{Endpoint: "https://s3.amazonaws.com", Region: "us-east-1", Name: "examplebucket", VirtualHosted: true, AccessKeyID: exampleKeyID, SecretAccessKey: exampleSecret}
	url, err := b.presign("GET", Put{Key: "test.txt", Date: exampleDate, Expires: 86400 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	want := "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
	if url != want {
		t.Fatalf("url:\n%s\nwant:\n%s", url, want)
	}
}

func TestEncode(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, path, query string }{
		{"a b+c", "a%20b%2Bc", "a%20b%2Bc"},
		{"photos/2026/x.png", "photos/2026/x.png", "photos%2F2026%2Fx.png"},
		{"é~_-.", "%C3%A9~_-.", "%C3%A9~_-."},
		{"a=b&c*", "a%3Db%26c%2A", "a%3Db%26c%2A"},
	}
	for _, c := range cases {
		if got := encode(c.in, false); got != c.path {
			t.Errorf("encode(%q) in a path = %q, want %q", c.in, got, c.path)
		}
		if got := encode(c.in, true); got != c.query {
			t.Errorf("encode(%q) in a query = %q, want %q", c.in, got, c.query)
		}
	}
}

func TestCanonicalQuerySortsByName(t *testing.T) {
	t.Parallel()
	// "X-Amz-Date2" sorts after "X-Amz-Date", although "2" sorts before "=".
	got := canonicalQuery(map[string]string{"X-Amz-Date2": "b", "X-Amz-Date": "a", "A b": "c d"})
	if want := "A%20b=c%20d&X-Amz-Date=a&X-Amz-Date2=b"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
