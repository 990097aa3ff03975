package pretty_test

import (
	"fmt"

	"github.com/templive/templive/render/pretty"
)

func ExampleHTML() {
	fmt.Println(pretty.HTML([]byte(`<ul><li>a</li><li>b</li></ul>`)))
	// Output:
	// <ul>
	//   <li>
	//     a
	//   </li>
	//   <li>
	//     b
	//   </li>
	// </ul>
}
