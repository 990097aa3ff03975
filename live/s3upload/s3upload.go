// Package s3upload presigns uploads to Amazon S3 and S3-compatible storage
// (MinIO, Cloudflare R2, Backblaze B2, …) with AWS Signature Version 4, for
// the external uploads of templive views: the browser sends each file
// straight to the bucket, and the server never handles its bytes.
//
//	bucket := &s3upload.Bucket{Endpoint: "https://s3.eu-west-1.amazonaws.com", Region: "eu-west-1", Name: "photos", AccessKeyID: id, SecretAccessKey: secret}
//	s.AllowUpload("photo", live.UploadOptions{
//		Accept:   []string{"image/*"},
//		External: bucket.External(func(e *live.UploadEntry) string { return "photos/" + uuid() }, 0),
//	})
//
// It needs no AWS SDK. The bucket must allow the page's origin in its CORS
// rules (the methods PUT or POST, and the header Content-Type).
package s3upload

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/templive/templive/live"
)

// Bounds of a presigned URL's life, as S3 enforces them.
const (
	DefaultExpires = 15 * time.Minute
	MaxExpires     = 7 * 24 * time.Hour
)

// A Bucket is a bucket of an S3-compatible store and credentials that may
// write to it. Its methods only compute signatures: they make no request,
// and are safe for concurrent use.
type Bucket struct {
	// Endpoint is the store's base URL: "https://s3.eu-west-1.amazonaws.com",
	// or a MinIO's "http://127.0.0.1:9000". Objects are addressed in path
	// style (Endpoint/Name/key) unless VirtualHosted.
	Endpoint string
	// Region is the bucket's region ("eu-west-1"; "auto" for R2; MinIO's
	// default is "us-east-1").
	Region string
	// Name is the bucket's name.
	Name string
	// VirtualHosted addresses objects as https://Name.endpoint-host/key,
	// as AWS prefers; required for buckets created after it stopped path
	// style for them.
	VirtualHosted bool

	AccessKeyID     string
	SecretAccessKey string
	// SessionToken goes with temporary credentials (from STS); empty
	// otherwise.
	SessionToken string
}

// A Put describes the PUT of one object that [Bucket.PresignPut] allows.
type Put struct {
	Key string
	// ContentType, if set, is signed: the upload must send exactly this
	// Content-Type header, and the object is stored with it.
	ContentType string
	// ContentLength, if above zero, is signed: the store refuses a body
	// of any other size, so that a client cannot upload more than it
	// announced.
	ContentLength int64
	// Expires is how long the URL is valid ([DefaultExpires] if zero, at
	// most [MaxExpires]).
	Expires time.Duration
	// Date is when the URL is signed, and valid from; zero for now.
	Date time.Time
}

// A Post describes the browser-based POST upload of one object that
// [Bucket.PresignPost] allows.
type Post struct {
	Key string
	// ContentType, if set, is the only Content-Type the form may give.
	ContentType string
	// MaxSize, if above zero, bounds the file in bytes: the store
	// refuses a larger one.
	MaxSize int64
	// Expires is how long the form is valid ([DefaultExpires] if zero, at
	// most [MaxExpires]).
	Expires time.Duration
	// Date is when the form is signed, and valid from; zero for now.
	Date time.Time
}

// Errors of a Bucket or a request that cannot be signed.
var (
	ErrBucket  = errors.New("s3upload: bucket needs an http or https Endpoint, a Region, a Name and credentials")
	ErrKey     = errors.New("s3upload: empty key")
	ErrExpires = errors.New("s3upload: expiry out of range")
)

// PresignPut returns a URL that lets whoever holds it PUT the object p.Key
// until it expires, as the target of an external upload: the client sends
// the file as the body, with the headers of the target.
func (b *Bucket) PresignPut(p Put) (live.UploadTarget, error) {
	url, err := b.presign("PUT", p)
	if err != nil {
		return live.UploadTarget{}, err
	}
	target := live.UploadTarget{URL: url, Method: "PUT"}
	if p.ContentType != "" {
		target.Headers = map[string]string{"Content-Type": p.ContentType}
	}
	return target, nil
}

// presign returns the URL of a request with method on the object p.Key,
// signed in its query.
func (b *Bucket) presign(method string, p Put) (string, error) {
	base, host, path, err := b.locate(p.Key)
	if err != nil {
		return "", err
	}
	t, expires, err := when(p.Date, p.Expires)
	if err != nil {
		return "", err
	}
	headers := []header{{"host", host}}
	if p.ContentType != "" {
		headers = append(headers, header{"content-type", p.ContentType})
	}
	if p.ContentLength > 0 {
		// A browser sends Content-Length itself: it is signed, never set.
		headers = append(headers, header{"content-length", strconv.FormatInt(p.ContentLength, 10)})
	}
	query := map[string]string{
		"X-Amz-Algorithm":     algorithm,
		"X-Amz-Credential":    b.AccessKeyID + "/" + scope(t, b.Region),
		"X-Amz-Date":          t.Format(amzDateFormat),
		"X-Amz-Expires":       strconv.Itoa(int(expires / time.Second)),
		"X-Amz-SignedHeaders": signedHeaders(headers),
	}
	if b.SessionToken != "" {
		query["X-Amz-Security-Token"] = b.SessionToken
	}
	canonical := canonicalRequest(method, path, query, headers, unsignedPayload)
	sig := signature(signingKey(b.SecretAccessKey, t, b.Region), stringToSign(t, b.Region, canonical))
	return base + path + "?" + canonicalQuery(query) + "&X-Amz-Signature=" + sig, nil
}

// PresignPost returns a form that lets whoever holds it POST the object
// p.Key until it expires, as the target of an external upload: the
// client sends the form's fields, then the file as "file". Unlike a PUT,
// the size is bounded (p.MaxSize), not fixed.
func (b *Bucket) PresignPost(p Post) (live.UploadTarget, error) {
	base, _, _, err := b.locate(p.Key)
	if err != nil {
		return live.UploadTarget{}, err
	}
	t, expires, err := when(p.Date, p.Expires)
	if err != nil {
		return live.UploadTarget{}, err
	}
	fields := map[string]string{
		"key":              p.Key,
		"x-amz-algorithm":  algorithm,
		"x-amz-credential": b.AccessKeyID + "/" + scope(t, b.Region),
		"x-amz-date":       t.Format(amzDateFormat),
	}
	conditions := []any{map[string]string{"bucket": b.Name}}
	if p.ContentType != "" {
		fields["Content-Type"] = p.ContentType
	}
	if b.SessionToken != "" {
		fields["x-amz-security-token"] = b.SessionToken
	}
	for k, v := range fields {
		conditions = append(conditions, map[string]string{k: v})
	}
	if p.MaxSize > 0 {
		conditions = append(conditions, []any{"content-length-range", 0, p.MaxSize})
	}
	policy, err := json.Marshal(map[string]any{
		"expiration": t.Add(expires).Format("2006-01-02T15:04:05.000Z"),
		"conditions": conditions,
	})
	if err != nil {
		return live.UploadTarget{}, fmt.Errorf("s3upload: policy: %w", err)
	}
	fields["policy"] = base64.StdEncoding.EncodeToString(policy)
	fields["x-amz-signature"] = signature(signingKey(b.SecretAccessKey, t, b.Region), fields["policy"])
	url := base + "/"
	if !b.VirtualHosted {
		url = base + "/" + encode(b.Name, true)
	}
	return live.UploadTarget{URL: url, Method: "POST", Fields: fields}, nil
}

// External returns a function for [live.UploadOptions.External] that
// presigns a PUT of each accepted entry to the key key returns for it,
// with its type and size signed, valid for expires (DefaultExpires if 0).
// The entry's size was checked against MaxFileSize before; the store now
// holds the client to it.
func (b *Bucket) External(key func(e *live.UploadEntry) string, expires time.Duration) func(context.Context, *live.UploadEntry) (any, error) {
	return func(ctx context.Context, e *live.UploadEntry) (any, error) {
		return b.PresignPut(Put{Key: key(e), ContentType: e.Type, ContentLength: e.Size, Expires: expires})
	}
}

// locate returns the scheme and host the object key is reached at, the
// value of its Host header, and its path, encoded.
func (b *Bucket) locate(key string) (base, host, path string, err error) {
	u, err := url.Parse(b.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || b.Region == "" || b.Name == "" || b.AccessKeyID == "" || b.SecretAccessKey == "" {
		return "", "", "", ErrBucket
	}
	if key == "" {
		return "", "", "", ErrKey
	}
	// A browser leaves the scheme's default port out of the Host header,
	// and the signature must match what it sends.
	host = strings.TrimSuffix(u.Host, map[string]string{"http": ":80", "https": ":443"}[u.Scheme])
	path = strings.TrimSuffix(u.EscapedPath(), "/")
	if b.VirtualHosted {
		host = b.Name + "." + host
	} else {
		path += "/" + encode(b.Name, true)
	}
	path += "/" + encode(key, false)
	return u.Scheme + "://" + host, host, path, nil
}

// when returns the signing time, in UTC to the second, and the expiry,
// defaulted and checked.
func when(t time.Time, expires time.Duration) (time.Time, time.Duration, error) {
	if t.IsZero() {
		t = time.Now()
	}
	if expires == 0 {
		expires = DefaultExpires
	}
	if expires < time.Second || expires > MaxExpires {
		return time.Time{}, 0, ErrExpires
	}
	return t.UTC().Truncate(time.Second), expires, nil
}
