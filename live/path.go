package live

import "strings"

// localPath reports whether to is a path on this site (no scheme or host),
// the only kind of target Redirect, PushNavigate and PushPatch accept.
func localPath(to string) bool {
	return strings.HasPrefix(to, "/") && !strings.HasPrefix(to, "//") && !strings.HasPrefix(to, "/\\") &&
		!strings.ContainsAny(to, "\r\n")
}
