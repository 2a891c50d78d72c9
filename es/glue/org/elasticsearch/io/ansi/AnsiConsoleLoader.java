// The server looks for an ANSI console on start-up; a node in the background has none.
package org.elasticsearch.io.ansi;

import java.util.function.Supplier;

import org.elasticsearch.bootstrap.ConsoleLoader;

public class AnsiConsoleLoader implements Supplier<ConsoleLoader.Console> {
    public ConsoleLoader.Console get() { return null; }
}
