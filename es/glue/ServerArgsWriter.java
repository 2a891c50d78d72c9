// Writes the node's start-up arguments to stdout in the binary form the server reads from stdin,
// as the distribution's command-line launcher (not published on Maven Central) would.
import java.io.BufferedOutputStream;
import java.nio.file.Path;
import java.util.Map;

import org.elasticsearch.bootstrap.ServerArgs;
import org.elasticsearch.common.io.stream.OutputStreamStreamOutput;
import org.elasticsearch.common.settings.KeyStoreWrapper;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.InternalSettingsPreparer;

public class ServerArgsWriter {
    public static void main(String[] argv) throws Exception {
        Path home = Path.of(argv[0]), config = Path.of(argv[1]);
        // elasticsearch.yml with its ${ENV} placeholders resolved, as the node will see it
        Environment env = InternalSettingsPreparer.prepareEnvironment(
            Settings.builder().put("path.home", home.toString()).build(), Map.of(), config, () -> "fm-recsys");
        ServerArgs args = new ServerArgs(false, true, null, KeyStoreWrapper.create(), env.settings(), config, env.logsDir());
        try (var out = new OutputStreamStreamOutput(new BufferedOutputStream(System.out))) {
            args.writeTo(out);
        }
    }
}
