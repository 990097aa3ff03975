package live

import (
	"github.com/templive/templive/internal/wire"
)

// An UploadTarget is an external upload's target in the shape the
// client's built-in uploader understands, for [UploadOptions.External] to
// return. The uploader sends the file with one XMLHttpRequest: with Fields
// set, it POSTs a multipart form of Fields followed by the file as "file"
// (S3's browser-based POST upload); otherwise it sends the file as the
// body, with Method (PUT when empty) and Headers (a presigned PUT URL). A
// response status of 2xx completes the entry; any other fails it with
// [UploadExternalFailed].
//
// Uploader, if set, names a function of window.templiveUploaders that
// uploads the file instead, for storage the built-in one cannot reach. It
// is called as fn(target, file, progress) with progress(percent), and
// returns a promise, resolved once the file is stored.
type UploadTarget struct {
	URL      string            `json:"url"`
	Method   string            `json:"method,omitempty"`
	Headers  map[string]string `json:"headers,omitempty"`
	Fields   map[string]string `json:"fields,omitempty"`
	Uploader string            `json:"uploader,omitempty"`
}

// uploadProgress applies a client's report on an external entry: its
// progress, in steps of 5 % that only grow, or its failure. It returns the
// reason to refuse the report with: "unknown upload" when the entry is
// gone (cancelled, consumed, or the view remounted), which tells the
// client to stop sending the file.
func (vc *viewChannel) uploadProgress(p wire.UploadProgress) (refusal string) {
	e := vc.s.externalEntry(p.Name, p.Ref)
	if e == nil {
		return reasonUploadUnknown
	}
	switch {
	case e.Done || !e.Valid():
		// Reports after the end change nothing.
	case p.Error != "":
		vc.logger().Info("external upload failed", "upload", p.Name, "file", e.Name, "reason", p.Error)
		e.Errors, e.Progress = append(e.Errors, UploadExternalFailed), 0
	case p.Progress == 100:
		e.Progress, e.Done = 100, true
	default:
		e.Progress = max(e.Progress, p.Progress/5*5)
	}
	return ""
}

// externalEntry returns the external entry ref of the upload name, or nil.
func (s *Socket) externalEntry(name, ref string) *UploadEntry {
	u := s.uploads[name]
	if u == nil {
		return nil
	}
	for _, e := range u.Entries {
		if e.Ref == ref && e.External != nil {
			return e
		}
	}
	return nil
}
