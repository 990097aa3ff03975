package live

import (
	"encoding/json"
	"net/url"
	"strings"

	"github.com/templive/templive/internal/wire"
)

// recoveryEvent returns the event that form recovery replays for a form
// whose live-change (or live-auto-recover) value is binding, and the
// values to add after the form's: an event name is itself; client
// commands (a JSON list, [Commands]) replay the event of their first push,
// with its values, as the browser would send it, and nothing when they
// push none. ok is false when nothing is replayed.
func recoveryEvent(binding string) (name, values string, ok bool) {
	if !strings.HasPrefix(binding, "[") {
		return binding, "", binding != ""
	}
	var list [][]json.RawMessage
	if json.Unmarshal([]byte(binding), &list) != nil {
		return "", "", false
	}
	for _, c := range list {
		var op string
		if len(c) != 2 || json.Unmarshal(c[0], &op) != nil || op != "push" {
			continue
		}
		var a struct {
			Event string `json:"event"`
			Value string `json:"value"`
		}
		if json.Unmarshal(c[1], &a) != nil || a.Event == "" {
			return "", "", false
		}
		return a.Event, a.Value, true
	}
	return "", "", false
}

// recoveredValues parses the values of a recovered form, followed by those
// its binding's push adds.
func recoveredValues(form, extra string) (url.Values, error) {
	if extra != "" {
		form += "&" + extra
	}
	return wire.ParseValues(form)
}
