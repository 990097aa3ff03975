package token_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/templive/templive/token"
)

func ExampleSign() {
	signer := token.NewSigner([]byte("a secret of at least thirty-two bytes"))
	tok, err := token.Sign(signer, "user socket", "42")
	if err != nil {
		fmt.Println(err)
		return
	}
	userID, err := token.Verify[string](signer, "user socket", tok, time.Hour)
	fmt.Println(userID, err)

	_, err = token.Verify[string](signer, "another purpose", tok, time.Hour)
	fmt.Println(errors.Is(err, token.ErrInvalid))
	// Output:
	// 42 <nil>
	// true
}

func ExampleSigner_Verify() {
	signer := token.NewSigner([]byte("a secret of at least thirty-two bytes"))
	old := signer.SignAt("user socket", []byte("42"), time.Now().Add(-2*time.Hour))
	_, err := signer.Verify("user socket", old, time.Hour)
	fmt.Println(errors.Is(err, token.ErrExpired))
	// Output:
	// true
}
