package loader_test

import (
	"errors"
	"fmt"

	"github.com/ztsync/ztsync/loader"
)

func ExampleLoader_LoadDir() {
	l, err := loader.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := l.LoadDir("testdata/example")
	var problems loader.Errors
	if errors.As(err, &problems) {
		for _, p := range problems {
			fmt.Println(p) // FILE:LINE:COL: PATH: MESSAGE
		}
		return
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Config.Accounts["prod"].Organization["session_duration"], res.Files)
	// Output: 24h [testdata/example/config.cue]
}
