package channel

// Reply statuses on the wire.
const (
	statusOK    = "ok"
	statusError = "error"
)

// A Reply answers a client push: phx_reply {"status": …, "response": …}.
// The zero value, [NoReply], sends nothing.
type Reply struct {
	status   string
	response any
}

// NoReply returned from [Channel.HandleIn] sends no reply now.
var NoReply = Reply{}

// ReplyOK returns an ok reply with response (nil for {}). A [Binary]
// response is sent as a binary reply frame.
func ReplyOK(response any) Reply { return Reply{status: statusOK, response: response} }

// ReplyError returns an error reply with response, typically
// a struct or map; [ReplyReason] makes the common {"reason": …}.
func ReplyError(response any) Reply { return Reply{status: statusError, response: response} }

// ReplyReason returns an error reply {"reason": reason}, the shape Phoenix
// channels and templive's own errors use.
func ReplyReason(reason string) Reply { return ReplyError(reasonResponse{reason}) }

// reasonResponse encodes as {"reason": …}.
type reasonResponse struct {
	Reason string `json:"reason"`
}

// A JoinError refuses a join: the client receives an error reply whose
// response is Response.
type JoinError struct {
	Response any
}

func (e *JoinError) Error() string { return "channel: join refused" }

// Refuse returns a [JoinError] with response {"reason": reason}, as Phoenix
// channels refuse a join.
func Refuse(reason string) error {
	return &JoinError{Response: reasonResponse{reason}}
}
