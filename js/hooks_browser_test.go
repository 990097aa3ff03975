package js_test

import (
	"strings"
	"testing"
)

// Client hooks against the fake socket.

// A hook callback or handleEvent handler that throws is logged; the patch applies.
func TestThrowingHookIsLoggedAndPatchApplies(t *testing.T) {
	tab := openFake(t, hookAndLinksPage, "")
	tab.Eval(`window.boom = true; try { push("lv-1", "diff", {d: [[0,[0,0],"b"]], ev: [["bad", {}]]}) } catch (e) { errors.push("thrown: " + e.message) }; window.boom = false; true`, nil)
	wantJS(t, tab, `document.getElementById("p").textContent`, "b")
	errs := evalJS[string](t, tab, `errors.join("\n")`)
	if strings.Contains(errs, "thrown") || !strings.Contains(errs, "hook bug") || !strings.Contains(errs, "handler bug") {
		t.Errorf("errors: %s", errs)
	}
	tab.Eval(`push("lv-1", "diff", {d: [[7,[0,0],0,1,"c"]]}); true`, nil)
	wantJS(t, tab, `document.getElementById("p").textContent`, "c")
}

// disconnect() destroys the hooks.
func TestDisconnectDestroysHooks(t *testing.T) {
	tab := openFake(t, hookAndLinksPage, "")
	tab.Eval(`live.disconnect(); true`, nil)
	wantJS(t, tab, `hookLog.join()`, "mounted,destroyed")
}
