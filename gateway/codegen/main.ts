/**
 * The protoc-gen-gateway executable (see bin/protoc-gen-gateway): reads a
 * CodeGeneratorRequest from stdin, writes the CodeGeneratorResponse to
 * stdout, and exits 1 with the problems on stderr when an HTTP rule is wrong.
 */
import { runNodeJs } from "@bufbuild/protoplugin";
import { protocGenGateway } from "./protoc-gen-gateway.js";

runNodeJs(protocGenGateway);
