package s3upload

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"time"
)

// AWS Signature Version 4, as S3 checks it: the parts of a request are
// written out in a canonical form, hashed, and signed with a key derived
// from the secret for one day, region and service.

const (
	algorithm = "AWS4-HMAC-SHA256"
	service   = "s3"
	// unsignedPayload stands for the body's hash in a presigned URL: the
	// body is not known when the URL is signed.
	unsignedPayload = "UNSIGNED-PAYLOAD"
	amzDateFormat   = "20060102T150405Z"
	dateFormat      = "20060102"
)

// A header is one signed header: its name in lower case and its value.
type header struct{ name, value string }

// canonicalRequest returns the canonical form of a request. uri is the
// path already encoded (encodePath); query maps raw names to raw values,
// which it encodes and sorts; headers are sorted here by name.
func canonicalRequest(method, uri string, query map[string]string, headers []header, payloadHash string) string {
	var b strings.Builder
	b.WriteString(method)
	b.WriteByte('\n')
	b.WriteString(uri)
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(query))
	b.WriteByte('\n')
	sort.Slice(headers, func(i, j int) bool { return headers[i].name < headers[j].name })
	for _, h := range headers {
		b.WriteString(h.name)
		b.WriteByte(':')
		b.WriteString(strings.Join(strings.Fields(h.value), " "))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(signedHeaders(headers))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// signedHeaders returns the names of headers, sorted, joined by ";".
func signedHeaders(headers []header) string {
	names := make([]string, len(headers))
	for i, h := range headers {
		names[i] = h.name
	}
	sort.Strings(names)
	return strings.Join(names, ";")
}

// canonicalQuery encodes query's names and values and sorts them by name.
func canonicalQuery(query map[string]string) string {
	names := make([]string, 0, len(query))
	for k := range query {
		names = append(names, encode(k, true))
	}
	sort.Strings(names)
	raw := make(map[string]string, len(query))
	for k, v := range query {
		raw[encode(k, true)] = v
	}
	var b strings.Builder
	for i, k := range names {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(encode(raw[k], true))
	}
	return b.String()
}

// scope returns the credential scope of a signature made at t.
func scope(t time.Time, region string) string {
	return t.Format(dateFormat) + "/" + region + "/" + service + "/aws4_request"
}

// stringToSign returns what is signed for a canonical request made at t.
func stringToSign(t time.Time, region, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return algorithm + "\n" + t.Format(amzDateFormat) + "\n" + scope(t, region) + "\n" + hex.EncodeToString(sum[:])
}

// signingKey derives the key that signs the requests of t's day in region.
func signingKey(secret string, t time.Time, region string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), t.Format(dateFormat))
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aws4_request")
}

// signature returns the hex signature of s with key.
func signature(key []byte, s string) string {
	return hex.EncodeToString(hmacSHA256(key, s))
}

func hmacSHA256(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

// encode percent-encodes s as SigV4 wants: every byte but the unreserved
// characters of RFC 3986 (A-Z a-z 0-9 - _ . ~), in upper-case hex; "/"
// too unless slash is false, for a path. A space is %20, never "+".
func encode(s string, slash bool) string {
	const hexdigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
			b.WriteByte(c)
		case c == '/' && !slash:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexdigits[c>>4])
			b.WriteByte(hexdigits[c&15])
		}
	}
	return b.String()
}
