package server

import (
	"fmt"
	"io"
	"net"
)

// Request sends args to the server listening on socket (a path or @name)
// and copies its answer to out until the server closes the connection.
func Request(socket string, args []string, out io.Writer) error {
	msg, err := EncodeRequest(args)
	if err != nil {
		return err
	}
	c, err := net.Dial("unix", socket)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", socket, err)
	}
	defer c.Close()
	if _, err := c.Write(msg); err != nil {
		return fmt.Errorf("send to %s: %w", socket, err)
	}
	if _, err := io.Copy(out, c); err != nil {
		return fmt.Errorf("read from %s: %w", socket, err)
	}
	return nil
}
