// Command pulumi-language-python (stand-in) serves the one language-host call that `pulumi
// package gen-sdk --language python` and `pulumi package add` make: GeneratePackage, answered
// by the Python SDK generator of the Pulumi release the CLI is built from
// (github.com/pulumi/pulumi/pkg/v3/codegen/python).
//
// Why a stand-in: the CLI does not generate SDKs itself; it starts the language plugin
// `pulumi-language-python` and sends it the bound schema. The real plugin lives in the module
// github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3, which the Go module proxy
// refuses (403 for every version), while pkg/v3, which holds the generator the real plugin calls,
// is served. So the CLI, its schema binding, the plugin protocol and the generator are the real
// ones; only this thin host around the generator is ours. It binds the schema the CLI sends,
// loading referenced packages through the CLI's loader server as the real plugin does, and writes
// the generated files into the requested directory. Apart from GetPluginInfo, which the CLI asks
// first, every other call answers Unimplemented.
//
// Built by test/engine/build.sh (build_python_codegen) and linked as `pulumi-language-python`
// into a directory on the CLI's PATH by the test that uses it.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// tool is the generator name written into the generated files' headers; the real plugin uses
// its own binary name, so the files read as users' do.
const tool = "pulumi-language-python"

// version is the Pulumi release whose generator this is (set by build.sh with -X), reported as
// the plugin's version as the real plugin reports its own.
var version = "0.0.0-dev"

type codegenHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
}

// GetPluginInfo is asked before any other call when the CLI starts a language plugin.
func (codegenHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (codegenHost) GeneratePackage(
	_ context.Context, req *pulumirpc.GeneratePackageRequest,
) (*pulumirpc.GeneratePackageResponse, error) {
	client, err := schema.NewLoaderClient(req.LoaderTarget)
	if err != nil {
		return nil, err
	}
	defer client.Close()
	loader := schema.NewCachedLoader(client)

	var spec schema.PackageSpec
	if err := json.Unmarshal([]byte(req.Schema), &spec); err != nil {
		return nil, fmt.Errorf("the schema the CLI sent is not JSON: %w", err)
	}
	// As the CLI binds it before sending: references to packages it cannot load stay dangling.
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{AllowDanglingReferences: true})
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return &pulumirpc.GeneratePackageResponse{Diagnostics: plugin.HclDiagnosticsToRPCDiagnostics(diags)}, nil
	}

	files, err := python.GeneratePackage(tool, pkg, req.ExtraFiles, loader)
	if err != nil {
		return nil, err
	}
	for name, data := range files {
		out := filepath.Join(req.Directory, name)
		if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(out, data, 0o600); err != nil {
			return nil, err
		}
	}
	return &pulumirpc.GeneratePackageResponse{Diagnostics: plugin.HclDiagnosticsToRPCDiagnostics(diags)}, nil
}

func main() {
	// The CLI passes its engine address as the last argument; GeneratePackage does not need it.
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, codegenHost{})
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python (stand-in): %v\n", err)
		os.Exit(1)
	}
	// The plugin protocol: the first line on stdout is the port the CLI dials.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python (stand-in): %v\n", err)
		os.Exit(1)
	}
}
