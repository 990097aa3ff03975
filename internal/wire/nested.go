package wire

// The attributes of a nested view's root element, besides the root's own
// (id, data-live-root, data-live-session): the id of the view it belongs
// to, which the client joins it after, and the name its view rendered it
// under.
const (
	AttrParent = "data-live-parent"
	AttrNested = "data-live-nested"
)

// ReasonGone refuses the join of a nested view the server no longer keeps
// (its parent stopped rendering it, or a layout's view waited too long to
// be joined): the client leaves it as it is and does not retry.
const ReasonGone = "gone"
