"""qasm"""
