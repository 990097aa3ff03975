package js

// ETag returns the strong ETag Handler sends with the bundle, for tests.
func ETag() string { return etag }
