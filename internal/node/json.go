package node

import "encoding/json"

func jsonUnmarshalLoose(b []byte, v any) error { return json.Unmarshal(b, v) }
