package live_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/templive/templive/live"
)

func ExampleSignToken() {
	signer := live.NewSigner([]byte("a secret of at least thirty-two bytes"))
	token, err := live.SignToken(signer, "user socket", "42")
	if err != nil {
		fmt.Println(err)
		return
	}
	userID, err := live.VerifyToken[string](signer, "user socket", token, time.Hour)
	fmt.Println(userID, err)

	_, err = live.VerifyToken[string](signer, "another purpose", token, time.Hour)
	fmt.Println(errors.Is(err, live.ErrTokenInvalid))
	// Output:
	// 42 <nil>
	// true
}

func ExampleSigner_Verify() {
	signer := live.NewSigner([]byte("a secret of at least thirty-two bytes"))
	old := signer.SignAt("user socket", []byte("42"), time.Now().Add(-2*time.Hour))
	_, err := signer.Verify("user socket", old, time.Hour)
	fmt.Println(errors.Is(err, live.ErrTokenExpired))
	// Output:
	// true
}
