// Entry point of protoc-gen-risk-codec, run by buf (buf.gen.yaml) through tsx: reads the
// CodeGeneratorRequest on stdin, writes the CodeGeneratorResponse on stdout.
import { runNodeJs } from '@bufbuild/protoplugin';
import { protocGenRiskCodec } from './protoc-gen-risk-codec.js';

runNodeJs(protocGenRiskCodec);
